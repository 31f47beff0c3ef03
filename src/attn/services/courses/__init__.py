"""Courses, their teachers and rosters: admins create courses and name their teachers; a
course's teachers and admins manage its roster (docs/design.md#courses-and-rosters)."""
