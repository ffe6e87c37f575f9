"""A target's life in one place: a channel digest or a member's DM subscription.

- `model`: what is stored (DigestConfig, Subscription) and what a pass plans for (Target),
  with the typed key every other part uses (TargetKey);
- `changes`: the options of `/digest set` and `/subscriptions`, validated before anything
  changes;
- `service`: create, change, pause, resume and remove targets; each call saves the change
  and brings the target's schedule in line in the same call;
- `schedule`: each timed target's daily job, derived from its stored row.

This package imports nothing at package level, so `bot.store` can import the model.
"""
