"""Casework's pages: thin views over the actions in casework.cases (each writes its own audit
event) and the reads in casework.cases.selectors. Who may open a page is in each view's
decorator; who may do what on it is in casework.permissions."""
