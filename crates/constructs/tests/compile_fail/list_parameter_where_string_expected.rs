use constructs::resources::ec2;
use constructs::{Environment, Parameter, Stack};

fn main() -> Result<(), constructs::ConstructError> {
    let mut stack = Stack::new("Demo", Environment::default())?;
    let mut root = stack.root();
    let cidrs = root.parameter("Cidrs", Parameter::comma_delimited_list())?;
    // A list parameter's value is a `Value<Vec<String>>`, not a string.
    let _vpc = ec2::Vpc {
        cidr_block: Some(cidrs.value()),
        ..ec2::Vpc::new()
    };
    Ok(())
}
