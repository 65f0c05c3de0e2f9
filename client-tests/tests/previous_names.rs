//! Every name the previous generated crate exposed (types and unit enum variants,
//! recorded from `generated/src/types.rs` before the model v2 renames) still compiles:
//! merged and renamed types keep their old names as aliases, shortened variants as
//! constants. A name that disappears fails this file at compile time.

#![allow(deprecated, unused_imports)]

use upvest_client::types::{
    Account, AccountGroup, AccountGroupEvent, AccountGroupEventType, AccountGroupEventsDelivery, AccountGroupStatus,
    AccountGroupType, AccountGroupUsersItem, AccountGroupUsersItemType, AccountStatus, AccountType, AccountUsersItem,
    AccountUsersItemType, Address, CreateAccountGroupRequest, CreateAccountGroupRequestType,
    CreateUserIdentifierRequest, CreateUserIdentifierRequestType, DataPrivacyAndSharingAgreement, Fatca, Identifier,
    IdentifierType, ListAccountGroupsOrder, ListAccountGroupsResponse, ListAccountGroupsSort, ListAccountsOrder,
    ListAccountsResponse, ListAccountsSort, ListUserAccountGroupsOrder, ListUserAccountGroupsResponse,
    ListUserAccountGroupsSort, ListUserIdentifiersResponse, ListUsersOrder, ListUsersResponse, ListUsersSort, Meta,
    MetaOrder, Problem, TermsAndConditions, UpdateUserIdentifierRequest, User, UserByol, UserByolCreateRequest,
    UserByolCreateRequestSalutation, UserByolCreateRequestTitle, UserByolDataChangeRequest,
    UserByolDataChangeRequestSalutation, UserByolDataChangeRequestTitle, UserByolSalutation, UserByolStatus,
    UserByolTitle, UserCreateRequest, UserCreateResponse, UserDataChangeRequest, UserGetResponse, UserTol,
    UserTolCreateRequest, UserTolCreateRequestSalutation, UserTolCreateRequestTitle, UserTolDataChangeAddress,
    UserTolDataChangeAddressDocumentType, UserTolDataChangeNameChange, UserTolDataChangeNameChangeDocumentType,
    UserTolDataChangeNationality, UserTolDataChangeNationalityDocumentType, UserTolDataChangeOther,
    UserTolDataChangeOtherSalutation, UserTolDataChangeOtherTitle, UserTolDataChangeRequest, UserTolSalutation,
    UserTolStatus, UserTolTitle, UsersByolList, UsersEmptyList, UsersTolList,
};

#[test]
fn previous_enum_variants_still_resolve() {
    let _: [AccountGroupEventType; 5] = [
        AccountGroupEventType::AccountGroupCreated,
        AccountGroupEventType::AccountGroupActivated,
        AccountGroupEventType::AccountGroupClosingInitiated,
        AccountGroupEventType::AccountGroupClosed,
        AccountGroupEventType::AccountGroupLocked,
    ];
    let _: [AccountGroupType; 2] = [AccountGroupType::Personal, AccountGroupType::LegalEntity];
    let _: [AccountGroupUsersItemType; 1] = [AccountGroupUsersItemType::Owner];
    let _: [AccountStatus; 5] = [
        AccountStatus::PendingApproval,
        AccountStatus::Active,
        AccountStatus::Closing,
        AccountStatus::Closed,
        AccountStatus::Locked,
    ];
    let _: [AccountType; 2] = [AccountType::Trading, AccountType::Portfolio];
    let _: [AccountUsersItemType; 1] = [AccountUsersItemType::Owner];
    let _: [IdentifierType; 1] = [IdentifierType::NationalId];
    let _: [ListAccountsSort; 2] = [ListAccountsSort::CreatedAt, ListAccountsSort::UpdatedAt];
    let _: [ListUsersOrder; 1] = [ListUsersOrder::Asc];
    let _: [ListUsersSort; 1] = [ListUsersSort::CreatedAt];
    let _: [MetaOrder; 2] = [MetaOrder::Asc, MetaOrder::Desc];
    let _: [UserTolDataChangeAddressDocumentType; 7] = [
        UserTolDataChangeAddressDocumentType::UtilityBill,
        UserTolDataChangeAddressDocumentType::TelephoneBill,
        UserTolDataChangeAddressDocumentType::InternetBill,
        UserTolDataChangeAddressDocumentType::BankStatement,
        UserTolDataChangeAddressDocumentType::RegistrationCert,
        UserTolDataChangeAddressDocumentType::ResidencePermit,
        UserTolDataChangeAddressDocumentType::IdCard,
    ];
    let _: [UserTolDataChangeNameChangeDocumentType; 2] =
        [UserTolDataChangeNameChangeDocumentType::Passport, UserTolDataChangeNameChangeDocumentType::IdCard];
    let _: [UserTolSalutation; 5] = [
        UserTolSalutation::Unspecified,
        UserTolSalutation::SalutationMale,
        UserTolSalutation::SalutationFemale,
        UserTolSalutation::SalutationFemaleMarried,
        UserTolSalutation::SalutationDiverse,
    ];
    let _: [UserTolStatus; 4] =
        [UserTolStatus::Active, UserTolStatus::Inactive, UserTolStatus::Offboarding, UserTolStatus::Offboarded];
    let _: [UserTolTitle; 6] = [
        UserTolTitle::Unspecified,
        UserTolTitle::Dr,
        UserTolTitle::Prof,
        UserTolTitle::ProfDr,
        UserTolTitle::DiplIng,
        UserTolTitle::Magister,
    ];
}

/// Union variants keep their names too (checked at compile time).
#[allow(dead_code)]
mod union_variants {
    use super::*;

    fn user_variants(value: &User) -> bool {
        matches!(value, User::Byol(_) | User::Tol(_))
    }
    fn user_create_request_variants(value: &UserCreateRequest) -> bool {
        matches!(value, UserCreateRequest::Byol(_) | UserCreateRequest::Tol(_))
    }
    fn user_data_change_request_variants(value: &UserDataChangeRequest) -> bool {
        matches!(value, UserDataChangeRequest::Byol(_) | UserDataChangeRequest::Tol(_))
    }
    fn user_tol_data_change_request_variants(value: &UserTolDataChangeRequest) -> bool {
        matches!(
            value,
            UserTolDataChangeRequest::NameChange(_)
                | UserTolDataChangeRequest::Other(_)
                | UserTolDataChangeRequest::Nationality(_)
                | UserTolDataChangeRequest::Address(_)
        )
    }
}
