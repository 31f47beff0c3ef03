"""Check-in, the student's side: the first round trip (``admission``), the check-in itself
(``check_in``), why an attendance takes none (``refusals``), one's own records (``mine``),
and the public check-in page (``page``)."""
