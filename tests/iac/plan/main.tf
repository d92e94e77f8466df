variable "vpcs" { type = number }
resource "aws_vpc" "main" {
  count      = var.vpcs
  cidr_block = "10.0.0.0/16"
}
