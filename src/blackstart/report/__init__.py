"""Reports and exports of a model for other tools: graphs (GraphML, DOT), the model as
one JSON document, and the business impact analysis workbook."""
