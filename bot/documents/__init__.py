"""Rendered documents: every process output as a Markdown text (en and zh-CN) from
`templates/documents/`, and its standalone HTML and PDF forms."""
