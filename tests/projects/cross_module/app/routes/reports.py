"""Clients set by a base class two modules away, through a class of a third module."""
from app.services.audit import AuditedService, UncachedService


class AuditedReports(AuditedService):
    async def run(self, key: str):
        return self.redis.get(key)  # ASR105: 15, "self.redis.get"


class UncachedReports(UncachedService):
    async def run(self, key: str):
        # The class in between sets the attribute again, to something else: unknown.
        return self.redis.get(key)  # type: ignore[union-attr]
