-- Every webhook attempt is recorded before the call (issue 18): `in_flight` while it runs; if the
-- worker dies during the call, the next attempt marks it `interrupted` (the receiver may have got it).
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_outcome_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_outcome_check
  CHECK (outcome IN ('in_flight', 'interrupted', 'delivered', 'retry', 'gave_up'));
