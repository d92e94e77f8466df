resource "aws_vpc" "other" {
  cidr_block = "10.1.0.0/16"
}
