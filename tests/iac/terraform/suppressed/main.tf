# Sandbox, rebuilt every night.
# flowaudit:ignore vpc-flow-logs-enabled reason="ephemeral sandbox, no data"
resource "aws_vpc" "sandbox" {
  cidr_block = "10.9.0.0/16"
}
