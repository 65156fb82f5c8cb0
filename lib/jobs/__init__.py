"""Background work: the job queue, the worker and the handlers it runs."""
