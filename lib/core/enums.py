"""The closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class RequestType(StrEnum):
    """What the data subject asks for."""

    ACCESS = "access"  # "send me a copy of my data" (export)
    ERASURE = "erasure"
    CORRECTION = "correction"
    OPT_OUT = "opt_out"
    SHOP_ERASURE = "shop_erasure"  # Shopify shop/redact: all of one shop's data
    APPEAL = "appeal"  # a US-state appeal against a refused request (lib.core.appeals)


class Channel(StrEnum):
    """How the request reached the store."""

    LOGGED_IN = "logged_in"  # storefront, customer signed in (the shop's login verifies)
    GUEST = "guest"  # storefront, email typed in, verified by a link
    WEBHOOK = "webhook"  # Shopify compliance webhook
    STAFF = "staff"  # recorded by staff (e.g. More actions → Request customer data)


class StaffMedium(StrEnum):
    """How a request recorded by staff reached them."""

    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"


class Status(StrEnum):
    """Request lifecycle states; the allowed moves are in `lib.core.lifecycle`."""

    RECEIVED = "received"
    PENDING_VERIFICATION = "pending_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    READY_FOR_REVIEW = "ready_for_review"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELED = "canceled"
    EXPIRED = "expired"


CLOSED_STATUSES: frozenset[Status] = frozenset(
    {Status.COMPLETED, Status.REJECTED, Status.CANCELED, Status.EXPIRED}
)
OPEN_STATUSES: frozenset[Status] = frozenset(Status) - CLOSED_STATUSES


class RejectionCode(StrEnum):
    """Structured reasons for refusing a request (GDPR Art. 12(4)/(5), CCPA §7022)."""

    IDENTITY_NOT_VERIFIED = "identity_not_verified"
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"
    NO_DATA_FOUND = "no_data_found"
    DUPLICATE = "duplicate"
    OTHER = "other"


class EventKind(StrEnum):
    """What an audit event records."""

    TRANSITION = "transition"
    NOTE = "note"
    EXTENDED = "extended"
    PAUSED = "paused"
    RESUMED = "resumed"
    DUPLICATE_SUBMIT = "duplicate_submit"
    EXPORT = "export"
    DOWNLOAD = "download"
    MAIL = "mail"
    SETTING = "setting"
    ROLE = "role"
    STORE = "store"  # the app installed on or uninstalled from a shop
    OWNER = "owner"  # a request given to (or taken from) a staff member
    ERASED = "erased"  # a person's or a shop's identity erased from Privacy Desk (counts only)
    SHOPIFY_ERASURE = "shopify_erasure"  # Shopify asked to erase the customer, its state followed


class JobStatus(StrEnum):
    """A background job's state; `queued`/`running` are the active ones."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MailStatus(StrEnum):
    """An outbox row's delivery state."""

    PENDING = "pending"
    SENT = "sent"
    CAPTURED = "captured"  # no SMTP configured: kept for the dashboard's mail page
    FAILED = "failed"


class ConnectionMode(StrEnum):
    """How Privacy Desk holds a store's Admin API token (`store_connections.mode`)."""

    OAUTH = "oauth"  # installed (authorization-code grant): expiring offline token + refresh token
    CLIENT_CREDENTIALS = "client_credentials"  # the merchant's own app: ~24 h tokens, fetched again
    STATIC = "static"  # a custom app's token made before 2026: never expires, cannot be renewed


class ConnectionState(StrEnum):
    """Whether a store's token can be used (`store_connections.state`)."""

    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # renewal failed: the merchant must connect it again
    UNINSTALLED = "uninstalled"  # app/uninstalled (or disconnected): tokens deleted
