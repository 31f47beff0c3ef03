"""Excuse requests: a student asks, a teacher of the attendance or its course (or an admin)
approves (the record becomes ``excused``) or declines (docs/design.md#excuses)."""
