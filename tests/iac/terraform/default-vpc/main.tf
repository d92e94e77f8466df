# The account's default VPC, adopted by Terraform: a VPC like any other for
# CIS 3.7. The first has a flow log; the second (another provider's region)
# has none.
resource "aws_default_vpc" "default" {
  tags = { Name = "default" }
}

resource "aws_default_vpc" "west" {
  provider = aws.west
  tags     = { Name = "default-west" }
}

resource "aws_flow_log" "default" {
  vpc_id               = aws_default_vpc.default.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}
