"""The rule registry: every rule, in code order. Adding a rule means adding it here."""

from __future__ import annotations

from ..engine.rule import Rule, Severity
from .async_without_await import AsyncWithoutAwait
from .bare_except import BareExcept
from .base_exception_caught import BaseExceptionCaught
from .blocking_client import BlockingClientCall
from .blocking_file_io import BlockingFileIO
from .blocking_http import BlockingHttpCall
from .blocking_sleep import BlockingSleep
from .blocking_subprocess import BlockingSubprocessCall
from .cancellation_swallowed import CancellationSwallowed
from .check_then_insert import CheckThenInsertRace
from .commit_without_rollback import CommitWithoutRollback
from .configured_blocking import ConfiguredBlockingCall
from .dangling_task import DanglingTask
from .empty_setting_default import EmptySettingDefault
from .environment_outside_settings import EnvironmentReadOutsideSettings
from .error_log_without_traceback import ErrorLogWithoutTraceback
from .event_loop_in_loop import EventLoopInLoop
from .event_loop_run import EventLoopRun
from .exception_detail_response import ExceptionDetailInHttpResponse
from .filesystem_metadata import FilesystemMetadataCall
from .hardcoded_secret_default import HardcodedSecretDefault
from .indirect_blocking import IndirectBlockingCall
from .logging_background_task import LoggingCallAsBackgroundTask
from .manual_body_parsing import ManualRequestBodyParsing
from .optional_dependency import OptionalDependencyNotDeclared
from .orm_object_background_task import OrmObjectPassedToBackgroundTask
from .print_in_library_code import PrintInLibraryCode
from .required_setting_undocumented import RequiredSettingUndocumented
from .route_response_model import RouteWithoutResponseModel
from .secret_in_env_example import SecretInEnvExample
from .session_background_task import SessionPassedToBackgroundTask
from .silent_except import SilentExcept
from .sleep_polling_loop import SleepPollingLoop
from .stale_env_example_variable import StaleEnvExampleVariable
from .sync_database import SyncDatabaseCall
from .sync_redis import SyncRedisCall
from .timeout_without_await import TimeoutWithoutAwait
from .unawaited_coroutine import UnawaitedCoroutine
from .unchecked_split_index import UncheckedSplitIndex
from .undeclared_path_parameter import UndeclaredPathParameter
from .unknown_settings_attribute import UnknownSettingsAttribute
from .yield_in_context_manager import YieldInContextManager

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
    SilentExcept,
    BareExcept,
    CancellationSwallowed,
    BaseExceptionCaught,
    PrintInLibraryCode,
    HardcodedSecretDefault,
    EmptySettingDefault,
    UnknownSettingsAttribute,
    OptionalDependencyNotDeclared,
    RequiredSettingUndocumented,
    SecretInEnvExample,
    SessionPassedToBackgroundTask,
    OrmObjectPassedToBackgroundTask,
    LoggingCallAsBackgroundTask,
    ManualRequestBodyParsing,
    ExceptionDetailInHttpResponse,
    UndeclaredPathParameter,
    EventLoopInLoop,
    CheckThenInsertRace,
    DanglingTask,
    UnawaitedCoroutine,
    TimeoutWithoutAwait,
    UncheckedSplitIndex,
    CommitWithoutRollback,
    FilesystemMetadataCall,
    RouteWithoutResponseModel,
    EnvironmentReadOutsideSettings,
    StaleEnvExampleVariable,
    AsyncWithoutAwait,
    SleepPollingLoop,
    ErrorLogWithoutTraceback,
    YieldInContextManager,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule", "Severity"]
