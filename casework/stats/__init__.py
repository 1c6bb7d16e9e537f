"""The leads' and admins' metrics page: which range (ranges.py), the figures computed in SQL
(figures.py, with reports' own through reports.api), the server-drawn SVG charts (svg.py),
and the page and its CSV export, audited (page.py)."""
