resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}
resource "terraform_data" "cfg" {
  input =({ prefix = local.prefix, total = local.total }
}
output "cfg" {
 r.sizes)
}

