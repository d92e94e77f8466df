# Transit Gateways with and without a flow log, as Terraform users declare them.
resource "aws_ec2_transit_gateway" "hub" {
  description = "hub"
  tags        = { Name = "hub" }
}

resource "aws_ec2_transit_gateway" "dark" {
  description = "no flow log"
}

resource "aws_flow_log" "hub" {
  transit_gateway_id       = aws_ec2_transit_gateway.hub.id
  log_destination_type     = "s3"
  log_destination          = "arn:aws:s3:::acme-flow-logs"
  max_aggregation_interval = 60
}
