"""The vector layer: the one owner of the Qdrant client (embedded folder or server URL).

Importing this package does not import qdrant_client; the client is loaded on the store's own
worker thread when it opens.
"""

from workshop_tui.vectors.models import (
    DOCUMENT_ID_FIELD,
    POINT_NAMESPACE,
    StoreState,
    VectorHit,
    VectorPoint,
    point_id,
)
from workshop_tui.vectors.store import LOCAL_POINTS_ADVISED, VectorStore

__all__ = [
    "DOCUMENT_ID_FIELD",
    "LOCAL_POINTS_ADVISED",
    "POINT_NAMESPACE",
    "StoreState",
    "VectorHit",
    "VectorPoint",
    "VectorStore",
    "point_id",
]
