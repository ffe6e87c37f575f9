"""Members' saved papers: the "Save" button, `/saved` and its exports.

The rest of the app uses `SavedPapers` (service.py), built in `main()` from the database.
"""

from bot.saved.export import ExportFile, ExportFormat
from bot.saved.service import MAX_SAVED, PAGE_SIZE, RemoveResult, SavedPage, SavedPapers
from bot.store.saved import SavedPaper, SaveResult

__all__ = [
    "MAX_SAVED",
    "PAGE_SIZE",
    "ExportFile",
    "ExportFormat",
    "RemoveResult",
    "SaveResult",
    "SavedPage",
    "SavedPaper",
    "SavedPapers",
]
