from refund_desk.payments.tests.conftest import account  # noqa: F401  -- a seller account with a policy
