//! V1's engines: the specs V1 runs faster or differently than its own loop on the boxed
//! plan, chosen here for every workflow ([`crate::registry::Engines`]).
//!
//! - The notebook's spec — `currents-v1` at its defaults, the notebook's user without
//!   growth or bias, the rule's own restriction — runs typed (no box) on either history:
//!   `exact` ([`ExactHistory`], numpy's means bit for bit) or `streaming`
//!   ([`StreamingHistory`], O(1) a step), and its `--summary` folds step in lanes
//!   ([`super::batch::summaries`]). `simulate` runs it on `streaming` with ChaCha, `exact`
//!   with numpy, unless told otherwise.
//! - Any other spec whose user is the notebook's ([`NotebookUser`], any preset) draws it
//!   unboxed (the boxed behaviour makes every generator word a virtual call), on `exact`.
//!
//! Every engine runs the same draws and, on `exact`, the same numbers as the boxed plan
//! (`tests/batch.rs`, `tests/streaming.rs`).

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::ops::RangeInclusive;

use crate::metrics::RunFold;
use crate::model::{Observer, Plan, RunError, StepEvent, Streams};
use crate::registry::RunSpec;
use crate::registry::runs::{EXACT, Engines, Runs, Sink, run_plan};
use crate::spec::SpecError;

use super::batch::{ARRAY_LANES, LANES, Lanes, summaries};
use super::{
    Engine, ExactHistory, NotebookUser, Params, SimConfig, State, StreamingHistory, V1, V1Rule,
};

/// V1's engines (registered by [`crate::registry::Registry::builtin`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct V1Engines;

/// The notebook configuration `spec` is, when it is one: the rule is V1's at its defaults,
/// the user the notebook's without growth or bias, the restriction the rule's own.
pub fn notebook_config(spec: &RunSpec<V1>) -> Option<SimConfig> {
    let (rule, user) = (&spec.rule, &spec.user);
    let at_defaults = rule
        .values()
        .iter()
        .zip(rule.entry().defaults())
        .all(|(v, d)| v.to_bits() == d.to_bits());
    let notebook = rule.entry().is::<V1Rule>()
        && at_defaults
        && user.entry().is::<NotebookUser>()
        && user.get("growth") == Some(0.0)
        && user.get("bias") == Some(0.0)
        && spec.restriction == rule.entry().enforcement().mode;
    if !notebook {
        return None;
    }
    // The spec's values are checked against the same declared ranges as `Params`'.
    let params = Params::new(
        user.get("integrity")?,
        user.get("avg-amount")?,
        spec.model.get("sum-volume")? as u64,
        spec.model.get("initial-credit")? as i64,
    )
    .ok()?;
    SimConfig::new(params, spec.steps, spec.runs, spec.seed, spec.rng).ok()
}

impl Engines<V1> for V1Engines {
    fn names(&self) -> &'static [&'static str] {
        &[EXACT, "streaming"]
    }

    fn fastest(&self, spec: &RunSpec<V1>) -> &'static str {
        match notebook_config(spec) {
            Some(config) => Engine::default_for(config.rng()).name(),
            None => EXACT,
        }
    }

    fn runs(
        &self,
        spec: &RunSpec<V1>,
        engine: &'static str,
    ) -> Result<Option<Box<dyn Runs<V1>>>, SpecError> {
        let streaming = engine == Engine::Streaming.name();
        if let Some(config) = notebook_config(spec) {
            let engine = if streaming {
                Engine::Streaming
            } else {
                Engine::Exact
            };
            return Ok(Some(Box::new(NotebookRuns {
                model: V1::new(config.params()),
                config,
                engine,
            })));
        }
        if streaming {
            return Err(SpecError::value(
                "engine",
                "\"streaming\"",
                format!(
                    "exact for {}: the streaming engine runs currents-v1 at its defaults with the notebook's user at growth 0 and bias 0 under the rule's own restriction",
                    spec.rule
                ),
            ));
        }
        let user = &spec.user;
        if !user.entry().is::<NotebookUser>() {
            return Ok(None);
        }
        let plan = spec.plan();
        use crate::registry::UserType as _;
        Ok(Some(Box::new(Plan {
            model: plan.model,
            policy: plan.policy,
            behaviour: NotebookUser::from_values(user.values()),
        })))
    }
}

/// The notebook's spec on one of V1's histories, its rule and user typed.
struct NotebookRuns {
    model: V1,
    config: SimConfig,
    engine: Engine,
}

impl NotebookRuns {
    fn plan<H>(&self) -> Plan<V1<H>, V1Rule, NotebookUser> {
        let params = self.config.params();
        Plan {
            model: V1::new(params),
            policy: V1Rule::default(),
            behaviour: NotebookUser::from_params(params),
        }
    }
}

impl Runs<V1> for NotebookRuns {
    fn model(&self) -> &V1 {
        &self.model
    }

    fn engine(&self) -> &'static str {
        self.engine.name()
    }

    fn run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut Sink<'_, V1>,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>> {
        match self.engine {
            Engine::Exact => run_plan(
                &self.plan::<ExactHistory>(),
                streams,
                run,
                n_steps,
                observer,
                words,
            ),
            Engine::Streaming => run_plan(
                &self.plan::<StreamingHistory>(),
                streams,
                run,
                n_steps,
                &mut Retype(observer),
                words,
            ),
        }
    }

    /// The folds of `runs` stepped in lanes ([`summaries`]) on this spec's streams.
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>> {
        debug_assert_eq!(
            (streams.rng, streams.seed, streams.subset, n_steps),
            (
                self.config.rng(),
                self.config.seed(),
                0,
                self.config.n_steps()
            ),
            "the notebook's runs fold its own spec's streams"
        );
        summaries(&self.config, self.engine, runs)
    }

    fn block_len(&self) -> u64 {
        match Lanes::of(&self.config, self.engine) {
            Lanes::Arrays => ARRAY_LANES as u64,
            Lanes::Steppers => LANES as u64,
            Lanes::Scalar => 1,
        }
    }
}

/// An observer of V1 on its exact history seeing a run on the streaming history: the same
/// states, payments and limits (the history is the model's own).
struct Retype<'o, 'a>(&'o mut Sink<'a, V1>);

impl Observer<V1<StreamingHistory>> for Retype<'_, '_> {
    type Error = io::Error;
    fn genesis(&mut self, state: &State) -> io::Result<()> {
        self.0.genesis(state)
    }
    #[inline]
    fn step(&mut self, e: &StepEvent<'_, V1<StreamingHistory>>) -> io::Result<crate::model::Flow> {
        self.0.step(&StepEvent {
            t: e.t,
            prev: e.prev,
            next: e.next,
            limits: e.limits,
            drawn: e.drawn,
            applied: e.applied,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{EachState, Streams};
    use crate::registry::{Registry, RunSpec, Runs};
    use crate::spec::{Limits, Spec, SpecError};

    use super::super::{State, V1};

    fn resolve(text: &str) -> RunSpec<V1> {
        Spec::from_shorthand("", text)
            .unwrap()
            .resolve(&Registry::builtin(), &Limits::default())
            .unwrap()
    }

    fn states<R: Runs<V1> + ?Sized>(runs: &R, spec: &RunSpec<V1>, run: u64) -> Vec<State> {
        let mut all = Vec::new();
        let streams = Streams::new(spec.rng, spec.seed);
        runs.run(
            &streams,
            run,
            spec.steps,
            &mut EachState(|_, s: &State| -> std::io::Result<()> {
                all.push(*s);
                Ok(())
            }),
            None,
        )
        .unwrap();
        all
    }

    #[test]
    fn the_notebooks_plan_through_the_run_loop_is_its_own_path_bit_for_bit() {
        for text in [
            "currents-v1:rng=numpy,runs=3,steps=400",
            "currents-v1:rng=chacha,runs=3,steps=400,integrity=0.5,sum-volume=7",
        ] {
            let spec = resolve(text);
            let fast = Registry::builtin().runs(&spec, Some("exact")).unwrap();
            assert_eq!(fast.engine(), "exact", "{text}");
            let plan = spec.plan();
            for run in 1..=3 {
                let (a, b) = (states(&fast, &spec, run), states(&plan, &spec, run));
                assert_eq!(a.len(), 401);
                // State's f64 fields compare bit for bit through their Debug form.
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}, run {run}");
            }
        }
    }

    #[test]
    fn only_the_notebooks_spec_takes_its_own_path() {
        let registry = Registry::<V1>::builtin();
        for (text, notebook) in [
            ("currents-v1", true),
            (
                "currents-v1:user=balanced,growth=0,bias=0,restriction=none",
                true,
            ),
            ("currents-v1:quad-coef=-2", false),
            ("currents-v1:user=spender", false),
            ("currents-v1:growth=0.1", false),
            ("currents-v1:restriction=clamp", false),
            ("v1-strict", false),
            ("turnover", false),
        ] {
            let spec = resolve(text);
            let fastest = if notebook { "streaming" } else { "exact" };
            assert_eq!(registry.fastest_engine(&spec), fastest, "{text}");
            let streaming: Result<_, SpecError> = registry.runs(&spec, Some("streaming"));
            assert_eq!(streaming.is_ok(), notebook, "{text}");
            if let Err(e) = streaming {
                assert!(
                    e.to_string().starts_with("invalid value for `engine`"),
                    "{e}"
                );
            }
        }
    }
}
