"""Chat: a question answered from the evidence, as a stream of typed events every interface renders its own way."""
