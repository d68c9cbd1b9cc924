"""The rule registry: every rule, in code order. Adding a rule means adding it here."""

from __future__ import annotations

from .base import Rule, Severity
from .blocking_client import BlockingClientCall
from .blocking_file_io import BlockingFileIO
from .blocking_http import BlockingHttpCall
from .blocking_sleep import BlockingSleep
from .blocking_subprocess import BlockingSubprocessCall
from .configured_blocking import ConfiguredBlockingCall
from .empty_setting_default import EmptySettingDefault
from .environment_outside_settings import EnvironmentReadOutsideSettings
from .event_loop_run import EventLoopRun
from .filesystem_metadata import FilesystemMetadataCall
from .hardcoded_secret_default import HardcodedSecretDefault
from .indirect_blocking import IndirectBlockingCall
from .optional_dependency import OptionalDependencyNotDeclared
from .sync_database import SyncDatabaseCall
from .sync_redis import SyncRedisCall
from .unknown_settings_attribute import UnknownSettingsAttribute

ALL_RULES: tuple[type[Rule], ...] = (
    BlockingSleep,
    BlockingHttpCall,
    BlockingSubprocessCall,
    BlockingFileIO,
    SyncRedisCall,
    SyncDatabaseCall,
    BlockingClientCall,
    EventLoopRun,
    ConfiguredBlockingCall,
    IndirectBlockingCall,
    HardcodedSecretDefault,
    EmptySettingDefault,
    UnknownSettingsAttribute,
    OptionalDependencyNotDeclared,
    FilesystemMetadataCall,
    EnvironmentReadOutsideSettings,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule", "Severity"]
