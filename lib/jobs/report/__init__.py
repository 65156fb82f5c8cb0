"""The access package as a person reads it: index.html, its fields, labels and own records."""
