"""Developer tooling: start the local stack (`make run`) and train the model when needed."""
