//! The built-in registry of V1: the model, its rule and variants, the generic rules, the
//! notebook's user and its presets — registered exactly as a user's are.

use crate::registry::{Registry, generic_rules};

use super::{NotebookUser, PRESETS, V1, V1Engines, V1NoFallback, V1Rule, V1Strict};

impl Registry<V1> {
    /// The built-ins for V1: the model `v1` and its engines ([`V1Engines`]); the rules
    /// `currents-v1` and the four generic rules, in the order `currents policies` lists
    /// them, then the two harness variants `v1-strict` and `v1-no-fallback`; the notebook's
    /// user (`balanced`) and its presets ([`PRESETS`]).
    pub fn builtin() -> Self {
        let registry = generic_rules(Registry::new().model().rule::<V1Rule>())
            .rule::<V1Strict>()
            .rule::<V1NoFallback>()
            .engines(V1Engines);
        PRESETS.iter().fold(registry, |r, p| {
            let b = p.behaviour;
            r.preset::<NotebookUser>(
                p.name,
                p.doc,
                &[b.integrity, b.avg_amount, b.growth, b.bias],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CreditPolicy, Cx};
    use crate::registry::ErasedMemory;

    #[test]
    fn every_builtin_default_is_in_its_range_and_builds() {
        let registry = Registry::<V1>::builtin();
        for r in registry.rules() {
            assert!(r.build(&r.defaults()).is_ok(), "{}", r.name);
        }
    }

    #[test]
    fn a_memory_handed_to_another_rule_starts_afresh_instead_of_panicking() {
        use crate::model::Model;
        let r = Registry::<V1>::builtin();
        let turnover = r.find("turnover").unwrap().build_default();
        let period = r.find("credit-period").unwrap().build_default();
        let model = V1::default();
        let genesis = model.genesis();
        let history = model.history(&genesis, 1);
        let cx = Cx {
            model: &model,
            t: 1,
            prev: &genesis,
            history: &history,
            member: 0,
        };
        let mut memory = ErasedMemory::default();
        let a = turnover.limit(&cx, &mut memory).unwrap();
        let b = period.limit(&cx, &mut memory).unwrap();
        // Both are in warm-up at step 1: the genesis credit, kept.
        assert_eq!((a.value, b.value), (250.0, 250.0));
        assert_eq!((a.branch, b.branch), ("warm-up", "warm-up"));
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = Registry::<V1>::builtin().find("v2").unwrap_err();
        assert_eq!(e.name, "v2");
        assert!(e.known.starts_with("currents-v1, static, fixed-band"));
    }

    #[test]
    fn out_of_range_values_are_refused_by_name() {
        let r = Registry::<V1>::builtin();
        let e = r
            .find("currents-v1")
            .unwrap()
            .build(&[5.0, 1.0, 7.0, 2.0])
            .unwrap_err();
        assert_eq!(e.field, "quad-coef");
    }
}
