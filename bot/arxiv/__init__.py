"""Everything that talks to arxiv.org, behind one rate limiter.

- `limiter`: RateLimiter (one request at a time, 3 s apart, process-wide) and the retry loop
  that honours `Retry-After`;
- `feed`: FeedClient, the announcement feed (conditional GETs, split by URL length or cap);
- `api`: ArxivApi, full metadata by id through the `arxiv` package;
- `taxonomy`: the category list, validation of user-given categories, autocomplete.

Import from the modules themselves; this package re-exports nothing, so that importing the
taxonomy does not pull in HTTP clients.
"""
