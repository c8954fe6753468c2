"""The benchmark of issue 7: the pipeline against a floor and a pandas peer (see README.md)."""
