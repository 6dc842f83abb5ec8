locals {
  me = self.name
}
