"""Attendance reports: per course (the matrix, rates, the students under the threshold) and
per student across their courses; their CSV and XLSX forms (docs/design.md#reports)."""
