"""Service classes between the routes and the base service that builds the client."""
from app.clients import BaseService


class AuditedService(BaseService):
    """Adds an audit trail; the client comes from the base class."""

    def audit(self, event):
        self.events.append(event)


class UncachedService(BaseService):
    def __init__(self):
        super().__init__()
        self.redis = None
