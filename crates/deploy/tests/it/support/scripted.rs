//! A scripted CloudFormation endpoint: speaks the query protocol (form-encoded POST, XML in the
//! 2010-05-15 namespace) for exactly the operations the engine calls, with per-test timelines
//! (statuses that advance one step per DescribeStacks / DescribeChangeSet call) and fault
//! injection (throttling, HTTP 500, slow answers).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http::{Request, serve};
use super::scripted_api::handle;

/// A fault injected into the next matching call(s).
#[derive(Debug, Clone)]
pub enum Fault {
    /// `Throttling: Rate exceeded` (HTTP 400).
    Throttle,
    /// An HTML 500 page, as a crashed server sends.
    Http500,
    /// Answer normally, but only after this long.
    Slow(Duration),
    /// Apply the call, then answer with a 500 (the answer is "lost").
    ApplyThen500,
    /// Apply the call, let the operation finish at once (CloudFormation drops the stack's change
    /// sets), then answer with a 500.
    ApplyFinishThen500,
    /// Answer with this error (HTTP 400): code, message. With `drop_change_sets`, the stack's
    /// change sets are removed first (another run executed one).
    Error {
        code: String,
        message: String,
        drop_change_sets: bool,
    },
}

/// A scripted stack event.
#[derive(Debug, Clone)]
pub struct Ev {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    pub token: Option<String>,
}

/// Shorthand for a resource event.
pub fn ev(logical_id: &str, resource_type: &str, status: &str, reason: Option<&str>) -> Ev {
    Ev {
        logical_id: logical_id.into(),
        resource_type: resource_type.into(),
        status: status.into(),
        reason: reason.map(Into::into),
        token: None,
    }
}

/// One step of a stack timeline: the status it moves to and the events it emits.
#[derive(Debug, Clone)]
pub struct Step {
    pub status: String,
    pub reason: Option<String>,
    pub events: Vec<Ev>,
}

/// Shorthand for a step.
pub fn step(status: &str, events: Vec<Ev>) -> Step {
    Step {
        status: status.into(),
        reason: None,
        events,
    }
}

/// A scripted resource change.
#[derive(Debug, Clone)]
pub struct Chg {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    pub replacement: Option<String>,
}

/// Shorthand for a change.
pub fn chg(action: &str, logical_id: &str, resource_type: &str, replacement: Option<&str>) -> Chg {
    Chg {
        action: action.into(),
        logical_id: logical_id.into(),
        resource_type: resource_type.into(),
        replacement: replacement.map(Into::into),
    }
}

/// How the next change set turns out.
#[derive(Debug, Clone)]
pub enum CsOutcome {
    Changes(Vec<Chg>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct FakeStack {
    pub id: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub template: String,
    pub outputs: Vec<(String, String)>,
    pub events: Vec<(u64, String, Ev)>,
    pub timeline: VecDeque<Step>,
    pub deleted: bool,
    pub termination_protection: bool,
}

#[derive(Debug, Clone)]
pub struct FakeChangeSet {
    pub id: String,
    pub name: String,
    pub stack_id: String,
    pub create: bool,
    pub template: String,
    pub pending_polls: usize,
    pub outcome: CsOutcome,
    pub created: u64,
    pub executed: bool,
}

/// The fake service's state. Tests set it up before and inspect it after.
#[derive(Debug, Default)]
pub struct World {
    pub stacks: Vec<FakeStack>,
    pub change_sets: Vec<FakeChangeSet>,
    /// Faults per action, consumed in order.
    pub faults: Vec<(String, Fault)>,
    /// Every action received, in order.
    pub calls: Vec<String>,
    /// How the next change set turns out, and after how many "in progress" polls.
    pub next_change_set: Option<(usize, CsOutcome)>,
    /// What executing a change set does (default: one IN_PROGRESS poll, then *_COMPLETE).
    pub execution: Option<Vec<Step>>,
    /// What deleting a stack does (default: one DELETE_IN_PROGRESS poll, then DELETE_COMPLETE).
    pub deletion: Option<Vec<Step>>,
    pub clock: u64,
    pub last_parameters: Vec<(String, String)>,
    pub last_capabilities: Vec<String>,
    pub last_tags: Vec<(String, String)>,
    /// An error CreateChangeSet answers once: (code, message).
    pub create_error: Option<(String, String)>,
    /// Every request's parameters, in order: (action, form pairs).
    pub requests: Vec<(String, Vec<(String, String)>)>,
    /// What happened, in order: `create:STACK` (CreateChangeSet), `done:STACK` (an operation
    /// reached *_COMPLETE), `delete:STACK` (DeleteStack).
    pub log: Vec<String>,
    /// The most stacks with an operation in progress at one time.
    pub max_in_progress: usize,
    /// What a rollback (RollbackStack, ContinueUpdateRollback) does (default: one
    /// *_ROLLBACK_IN_PROGRESS poll, then *_ROLLBACK_COMPLETE).
    pub rollback: Option<Vec<Step>>,
}

impl World {
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Adds a stack in `status`.
    pub fn add_stack(&mut self, name: &str, status: &str, template: &str) {
        let id = format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/{}",
            self.stacks.len() + 1
        );
        self.stacks.push(FakeStack {
            id,
            name: name.into(),
            status: status.into(),
            reason: None,
            template: template.into(),
            outputs: Vec::new(),
            events: Vec::new(),
            timeline: VecDeque::new(),
            deleted: false,
            termination_protection: false,
        });
    }

    /// The live (not deleted) stack with this name.
    pub fn stack(&self, name: &str) -> Option<&FakeStack> {
        self.stacks
            .iter()
            .find(|s| !s.deleted && (s.name == name || s.id == name))
    }

    pub fn stack_idx(&self, name_or_id: &str) -> Option<usize> {
        self.stacks
            .iter()
            .position(|s| s.id == name_or_id)
            .or_else(|| {
                self.stacks
                    .iter()
                    .position(|s| !s.deleted && s.name == name_or_id)
            })
    }

    /// Adds an event to a stack.
    pub fn push_event(&mut self, idx: usize, e: Ev) {
        let t = self.tick();
        let id = format!("ev-{t}");
        self.stacks[idx].events.push((t, id, e));
    }

    pub fn advance(&mut self, idx: usize) {
        if let Some(step) = self.stacks[idx].timeline.pop_front() {
            for e in step.events {
                self.push_event(idx, e);
            }
            let s = &mut self.stacks[idx];
            s.status = step.status;
            s.reason = step.reason;
            let done = (s.status.ends_with("_COMPLETE")
                && !s.status.ends_with("ROLLBACK_COMPLETE"))
            .then(|| format!("done:{}", s.name));
            self.log.extend(done);
            let s = &mut self.stacks[idx];
            if s.status == "DELETE_COMPLETE" {
                s.deleted = true;
            }
            if !(s.status.ends_with("_IN_PROGRESS") || s.status.starts_with("DELETE")) {
                // Execution finished (either way): CloudFormation drops the stack's change sets.
                let id = s.id.clone();
                self.change_sets.retain(|c| c.stack_id != id);
            }
        }
    }

    /// Change sets of a stack (by name).
    pub fn change_sets_of(&self, name: &str) -> Vec<String> {
        let ids: Vec<&str> = self
            .stacks
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.id.as_str())
            .collect();
        self.change_sets
            .iter()
            .filter(|c| ids.contains(&c.stack_id.as_str()))
            .map(|c| c.name.clone())
            .collect()
    }

    /// The value of `key` in the last `action` request.
    pub fn last_param(&self, action: &str, key: &str) -> Option<String> {
        self.requests
            .iter()
            .rev()
            .find(|(a, _)| a == action)
            .and_then(|(_, p)| p.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    /// Where `entry` first appears in [`World::log`].
    pub fn logged(&self, entry: &str) -> usize {
        self.log
            .iter()
            .position(|l| l == entry)
            .unwrap_or_else(|| panic!("{entry} not in {:?}", self.log))
    }

    /// How many times an action was called.
    pub fn count(&self, action: &str) -> usize {
        self.calls.iter().filter(|c| *c == action).count()
    }
}

/// A running scripted endpoint.
pub struct Scripted {
    pub addr: SocketAddr,
    pub world: Arc<Mutex<World>>,
}

impl Scripted {
    pub async fn start(world: World) -> Self {
        let world = Arc::new(Mutex::new(world));
        let w = world.clone();
        let addr = serve(move |req: Request| {
            let w = w.clone();
            async move { handle(&w, &req) }
        })
        .await;
        Self { addr, world }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }
}
