// Mount targets go in private subnets: public subnets do not type-check.
use constructs::network::{HaVpc, HaVpcProps};
use constructs::storage::{FileSystem, FileSystemProps};
use constructs::{Environment, Stack};

fn main() {
    let mut stack = Stack::new("Data", Environment::default()).unwrap();
    let vpc = HaVpc::new(&mut stack.root(), "Vpc", &HaVpcProps::default()).unwrap();
    let _files = FileSystem::new(
        &mut stack.root(),
        "Files",
        &FileSystemProps::for_user(1500, 1500, "/media"),
        vpc.vpc_id(),
        vpc.public_subnets(),
    );
}
