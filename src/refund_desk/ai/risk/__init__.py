"""Risk scoring of refund requests: features, model, training and the model card."""
