"""One pass per announcement: every target's post planned at once (docs/behaviour.md).

- `announced`: a recorded announcement, and what each target's categories see of it;
- `papers`: enrich and summarize each chosen paper once, whoever chose it;
- `planner`: the pass itself: one compiled matcher over every target, the union of their
  choices enriched in batches of 100 and summarized once per language, every post rendered
  and recorded in the outbox. The poll, catch-up, a new target's first post, `/digest post`,
  `/digest preview` and the CLI's `preview` all go through it.
"""
