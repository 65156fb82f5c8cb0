"""All tables of Privacy Desk (SQLAlchemy 2 typed models); import models from here."""

from lib.core.models.base import Base, UTCDateTime, utcnow
from lib.core.models.connections import StoreConnection
from lib.core.models.demo_store import DemoCustomer, DemoLineItem, DemoOrder, DemoRecord
from lib.core.models.operations import (
    Delivery,
    Export,
    Job,
    OutboxMail,
    RateLimitHit,
    Setting,
    SettingChange,
    StaffRole,
    UsedToken,
    WebhookReceipt,
)
from lib.core.models.register import ProcessingRegister
from lib.core.models.requests import (
    AuditHead,
    Customer,
    Request,
    RequestEvent,
    Store,
    make_reference,
)
from lib.core.models.rights import Appeal, CorrectionAsk, DemoCustomerPrivacy
from lib.core.models.staff import StaffSession

__all__ = [
    "Appeal",
    "AuditHead",
    "Base",
    "CorrectionAsk",
    "Customer",
    "Delivery",
    "DemoCustomer",
    "DemoCustomerPrivacy",
    "DemoLineItem",
    "DemoOrder",
    "DemoRecord",
    "Export",
    "Job",
    "OutboxMail",
    "ProcessingRegister",
    "RateLimitHit",
    "Request",
    "RequestEvent",
    "Setting",
    "SettingChange",
    "StaffRole",
    "StaffSession",
    "Store",
    "StoreConnection",
    "UTCDateTime",
    "UsedToken",
    "WebhookReceipt",
    "make_reference",
    "utcnow",
]
