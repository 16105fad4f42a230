// The file system admits security tiers only: there is no way to open NFS to a CIDR block
// (or the internet) through it.
use constructs::network::{HaVpc, HaVpcProps};
use constructs::storage::{FileSystem, FileSystemProps};
use constructs::{Environment, Stack};

fn main() {
    let mut stack = Stack::new("Data", Environment::default()).unwrap();
    let vpc = HaVpc::new(&mut stack.root(), "Vpc", &HaVpcProps::default()).unwrap();
    let files = FileSystem::new(
        &mut stack.root(),
        "Files",
        &FileSystemProps::for_user(1500, 1500, "/media"),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .unwrap();
    files.allow_from(&mut stack, "0.0.0.0/0", "anyone").unwrap();
}
