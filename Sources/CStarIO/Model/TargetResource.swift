/// The cStar resources a mapping can produce.
public enum TargetResource: String, Sendable, CaseIterable {
    case customers, tickets, articles
    case customerGroups = "customer-groups"
    case categories
    case customFields = "custom-fields"
    /// Customer ↔ group links (`{groupId, customerId}`), sent through the group membership endpoint.
    case groupMemberships = "customer-group-memberships"
    case settings
}
