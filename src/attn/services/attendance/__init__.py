"""Attendances, the teacher's side: find one live or stored (``locate``), its rules and
views, start, manage (finish, delete, correct), the records' decisions, history, export,
and what the teacher shows in class (``classroom``)."""
