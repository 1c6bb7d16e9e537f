"""The leads' and admins' metrics page: which range (ranges.py), the figures computed in SQL
(figures.py, with reports' own in reports.api), the server-drawn SVG charts (svg.py), and
the CSV export (export.py)."""
