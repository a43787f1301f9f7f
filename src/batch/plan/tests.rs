use super::*;

fn input(name: &str) -> Input {
    Input {
        path: Some(PathBuf::from(format!("/photos/{name}"))),
        sha256: crate::recipe::sha256(name.as_bytes()),
    }
}

fn entries(n: usize) -> Vec<Entry> {
    (0..n)
        .map(|i| Entry {
            content: input(&format!("photo{i}.jpg")),
            styles: vec![input("style.jpg")],
            config: 0,
            name: PathBuf::from(format!("photo{i}.png")),
        })
        .collect()
}

fn plan(entries: Vec<Entry>, shards: usize) -> Plan {
    let config = StyleTransferConfig::default();
    Plan::new(
        entries,
        vec![config],
        shards,
        serde_json::json!({"every": 10}),
    )
    .unwrap()
}

#[test]
fn the_same_items_in_any_order_make_the_same_plan() {
    let a = plan(entries(20), 3);
    let mut shuffled = entries(20);
    shuffled.reverse();
    shuffled.swap(3, 11);
    let b = plan(shuffled, 3);
    assert_eq!(a, b);
    assert_eq!(a.hash().len(), 64);
    assert_ne!(a.hash(), plan(entries(20), 4).hash());
    assert!(
        a.items.windows(2).all(|w| w[0].id < w[1].id),
        "sorted by id"
    );
    for (position, item) in a.items.iter().enumerate() {
        assert_eq!((item.position, item.shard), (position, position % 3));
    }
}

#[test]
fn ids_follow_the_bytes_not_the_paths() {
    let a = plan(entries(3), 1);
    let mut moved = entries(3);
    for entry in &mut moved {
        entry.content.path = Some(PathBuf::from("/elsewhere/x.jpg"));
    }
    let b = plan(moved, 1);
    let ids = |p: &Plan| p.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(a.hash(), b.hash(), "the plan names the files it reads");
}

#[test]
fn duplicate_outputs_and_unknown_configs_are_refused_together() {
    let mut bad = entries(4);
    bad[1].name = bad[0].name.clone();
    bad[2].name = bad[0].name.clone();
    bad[3].config = 7;
    match Plan::new(
        bad,
        vec![StyleTransferConfig::default()],
        2,
        serde_json::Value::Null,
    ) {
        Err(Error::PlanRefused(problems)) => assert_eq!(problems.len(), 3, "{problems:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn large_plans_fan_out_into_subfolders() {
    assert!(
        plan(entries(FAN_OUT_ABOVE), 7)
            .items
            .iter()
            .all(|i| i.output.parent() == Some(Path::new("")))
    );
    let large = plan(entries(FAN_OUT_ABOVE + 1), 7);
    for item in &large.items {
        assert_eq!(item.output.parent(), Some(Path::new(&item.id[..2])));
    }
}

#[test]
fn written_plans_read_back_and_edits_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan(entries(5), 2);
    a.write(dir.path()).unwrap();
    assert_eq!(Plan::read(dir.path()).unwrap(), a);
    let items = dir.path().join(ITEMS_FILE);
    let text = std::fs::read_to_string(&items).unwrap();
    std::fs::write(&items, text.replacen("photo1.png", "photoX.png", 1)).unwrap();
    let error = Plan::read(dir.path()).unwrap_err().to_string();
    assert!(error.contains("do not match its hash"), "{error}");
}
