"""arxiv-digest-bot: arXiv announcements -> matched, summarized Discord digests."""

__version__ = "0.1.0"
