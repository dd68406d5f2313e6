//! The network's step, by hand.
use super::*;
use crate::model::Limit;

fn limits(t: Transfer, value: f64) -> StepLimits {
    let limit = Limit {
        value,
        branch: "kept",
    };
    StepLimits::try_from_fn(Members::pair(t.payer, t.payee), |_| Ok::<_, ()>(limit)).unwrap()
}

#[test]
fn a_transfer_moves_its_amount_until_the_payer_reaches_its_previous_limit() {
    let net = Network::new(3, 1).unwrap();
    let t = Transfer {
        payer: 0,
        payee: 2,
        amount: 1,
    };
    let one = net.step(&net.genesis(), &(), &limits(t, 1.0), t).unwrap();
    assert_eq!(
        (one.balances.as_slice(), one.refused),
        (&[-1, 0, 1][..], false)
    );
    assert_eq!(net.ledger(&one, 0).payment, -1.0);
    assert_eq!(net.ledger(&one, 1).payment, 0.0);
    // The limit raised to 5 now does not let this step's payment pass −1.
    let two = net.step(&one, &(), &limits(t, 5.0), t).unwrap();
    assert!(two.refused);
    assert_eq!(
        (&two.balances, &two.limits),
        (&one.balances, &MemberLimits::Each(vec![5, 1, 5]))
    );
    let out = Transfer { payer: 3, ..t };
    let err = net.step(&one, &(), &limits(t, 1.0), out).unwrap_err();
    assert!(matches!(err, StepError::NoSuchMember { member: 3, .. }));
}

#[test]
fn columns_and_row_agree_and_transfers_read_back() {
    let net = Network::new(2, 3).unwrap();
    let mut row = Vec::new();
    net.row(&net.genesis(), &mut row);
    assert_eq!(net.columns().len(), row.len());
    assert_eq!(net.columns()[..2], ["balance_0", "limit_0"]);
    let t: Transfer = "1>0:3".parse().unwrap();
    assert_eq!(t.to_string(), "1>0:3");
    assert!("1-0:3".parse::<Transfer>().is_err());
    assert_eq!(Network::new(1, 0).unwrap_err().field, "members");
}
