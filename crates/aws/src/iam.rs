//! Delivery roles, read once per account (IAM is global). AWS has no batch form
//! for one role's policies short of listing every role in the account
//! (`GetAccountAuthorizationDetails`), so each referenced role costs
//! `GetRole`, `ListRolePolicies`, `ListAttachedRolePolicies`, plus one call per
//! inline policy and two per managed policy. These grow with distinct roles,
//! never with VPCs; `--stats` counts them.

use flowaudit_core::arn;
use flowaudit_core::model::{IamRole, PolicyDocument};
use serde_json::Value;

use crate::clients::list_all;
use crate::errors::{code, reason};

/// Reads one role; failures become the role's `error`.
pub async fn collect_role(client: &aws_sdk_iam::Client, role_arn: &str) -> IamRole {
    let mut role = IamRole {
        role_arn: role_arn.to_string(),
        exists: false,
        trust_policy: None,
        permission_policies: Vec::new(),
        error: None,
    };
    let Some(name) = arn::role_name_from_arn(role_arn) else {
        role.error = Some(format!("`{role_arn}` is not an IAM role ARN"));
        return role;
    };
    match read(client, &name).await {
        Ok(Some((trust, policies))) => {
            role.exists = true;
            role.trust_policy = trust;
            role.permission_policies = policies;
        }
        Ok(None) => {}
        Err(why) => role.error = Some(why),
    }
    role
}

type RoleParts = (Option<Value>, Vec<PolicyDocument>);

async fn read(client: &aws_sdk_iam::Client, name: &str) -> Result<Option<RoleParts>, String> {
    let got = match client.get_role().role_name(name).send().await {
        Ok(got) => got,
        Err(e) if code(&e) == Some("NoSuchEntity") => return Ok(None),
        Err(e) => return Err(format!("iam:GetRole: {}", reason(&e))),
    };
    let trust = got
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(parse_document)
        .transpose()?;
    let mut policies = Vec::new();
    let inline: Vec<String> = list_all!(
        client.list_role_policies().role_name(name),
        "iam:ListRolePolicies"
    )
    .await?;
    for policy_name in inline {
        let out = client
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy_name)
            .send()
            .await
            .map_err(|e| format!("iam:GetRolePolicy {policy_name}: {}", reason(&e)))?;
        policies.push(PolicyDocument {
            name: policy_name,
            document: parse_document(out.policy_document())?,
        });
    }
    let attached: Vec<_> = list_all!(
        client.list_attached_role_policies().role_name(name),
        "iam:ListAttachedRolePolicies"
    )
    .await?;
    for policy in attached {
        let Some(policy_arn) = policy.policy_arn() else {
            continue;
        };
        let got = client
            .get_policy()
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| format!("iam:GetPolicy {policy_arn}: {}", reason(&e)))?;
        let Some(version) = got.policy().and_then(|p| p.default_version_id()) else {
            continue;
        };
        let out = client
            .get_policy_version()
            .policy_arn(policy_arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| format!("iam:GetPolicyVersion {policy_arn}: {}", reason(&e)))?;
        if let Some(doc) = out.policy_version().and_then(|v| v.document()) {
            policies.push(PolicyDocument {
                name: policy_arn.to_string(),
                document: parse_document(doc)?,
            });
        }
    }
    Ok(Some((trust, policies)))
}

/// IAM returns policy documents URL-encoded; emulators sometimes do not.
pub fn parse_document(text: &str) -> Result<Value, String> {
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let decoded = urlencoding::decode(text)
        .map_err(|e| format!("policy document is not valid URL encoding: {e}"))?;
    serde_json::from_str(&decoded).map_err(|e| format!("policy document is not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::parse_document;

    #[test]
    fn decodes_url_encoded_documents() {
        let raw = r#"{"Version":"2012-10-17"}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(parse_document(raw).ok(), parse_document(encoded).ok());
        assert!(parse_document("%7Bnot json").is_err());
    }
}
