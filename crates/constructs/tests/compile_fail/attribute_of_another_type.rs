use constructs::resources::ec2;
use constructs::{Environment, Stack};

fn main() -> Result<(), constructs::ConstructError> {
    let mut stack = Stack::new("Demo", Environment::default())?;
    let mut root = stack.root();
    let group = root.resource("Group", ec2::SecurityGroup::new("web"))?;
    // `CidrBlock` is an attribute of VPCs and subnets, not of security groups.
    let _cidr = group.attr_cidr_block();
    Ok(())
}
