"""arXiv: its clients (feed and query API, behind one rate limiter) and its calendar.

- `limiter`: RateLimiter (one request at a time, 3 s apart, process-wide) and the retry loop
  that honours `Retry-After`;
- `feed`: FeedClient, the announcement feed (conditional GETs, split by URL length or cap);
- `api`: ArxivApi, the query API through the `arxiv` package: full metadata by id, and the
  papers of an announcement's submission window (`list_window`, built by `listing`);
- `calendar`: arXiv's announcement calendar: which announcements exist, when they are made
  and readable, and the submission window each covers (holidays and clock changes included);
- `gaps`: what the store lacks: announcements missed while down, papers a feed left out;
- `taxonomy`: the category list, validation of user-given categories, autocomplete.

Import from the modules themselves; this package re-exports nothing, so that importing the
taxonomy does not pull in HTTP clients.
"""
