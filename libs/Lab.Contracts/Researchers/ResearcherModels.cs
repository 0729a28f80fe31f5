namespace Lab.Contracts.Researchers;

[GenerateSerializer, Immutable, Alias("lab.join-lab")]
public sealed record JoinLab(
    [property: Id(0)] string Handle,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string>? Interests = null,
    [property: Id(3)] string? Background = null);

[GenerateSerializer, Immutable, Alias("lab.researcher")]
public sealed record ResearcherView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Handle,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Interests,
    [property: Id(4)] string Background,
    [property: Id(5)] bool OperatesLab,
    [property: Id(6)] DateTimeOffset JoinedAt);

/// <summary>A newly issued token: the only time its secret is shown.</summary>
[GenerateSerializer, Immutable, Alias("lab.issued-token")]
public sealed record IssuedToken(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Token,
    [property: Id(3)] DateTimeOffset IssuedAt);

[GenerateSerializer, Immutable, Alias("lab.token")]
public sealed record TokenView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset? RevokedAt);

public static class ResearcherRules
{
    public const int HandleMaxLength = 32;
    public const int NameMaxLength = 100;
    public const int InterestMaxLength = 50;
    public const int MaxInterests = 20;
    public const int BackgroundMaxLength = 4000;
    public const int TokenNameMaxLength = 100;

    public static Dictionary<string, string[]> Validate(JoinLab? join)
    {
        var errors = new Dictionary<string, string[]>();
        if (join is null)
        {
            errors["body"] = ["A JSON body with a handle and a name is required."];
            return errors;
        }
        if (string.IsNullOrWhiteSpace(join.Handle) || join.Handle.Length > HandleMaxLength ||
            !char.IsAsciiLetterLower(join.Handle[0]) || !join.Handle.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
        {
            errors["handle"] = [$"A handle is 1 to {HandleMaxLength} lower-case letters, digits, '-' or '_', starting with a letter."];
        }
        Text.Require(errors, "name", join.Name, NameMaxLength);
        if (join.Interests is { } interests)
        {
            if (interests.Count > MaxInterests)
            {
                errors["interests"] = [$"At most {MaxInterests} interests."];
            }
            else if (interests.Any(i => string.IsNullOrWhiteSpace(i) || i.Length > InterestMaxLength || Text.HasControlCharacters(i)))
            {
                errors["interests"] = [$"Each interest is 1 to {InterestMaxLength} characters."];
            }
        }
        Text.Optional(errors, "background", join.Background, BackgroundMaxLength);
        return errors;
    }

    public static Dictionary<string, string[]> ValidateTokenName(string? name)
    {
        var errors = new Dictionary<string, string[]>();
        Text.Require(errors, "name", name, TokenNameMaxLength);
        return errors;
    }
}

/// <summary>A new invitation: its code is shown only here; the invitee presents it as a bearer token to join.</summary>
[GenerateSerializer, Immutable, Alias("lab.issued-invitation")]
public sealed record IssuedInvitation(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Code,
    [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>Where an invitation stands.</summary>
public enum InvitationStatus
{
    Open,
    Accepted,
    Expired,
    Revoked,
}

/// <summary>An invitation as every member sees it (never its code): who invited, until when, and what became of it.</summary>
[GenerateSerializer, Immutable, Alias("lab.invitation")]
public sealed record InvitationView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid InvitedBy,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] InvitationStatus Status,
    [property: Id(5)] Guid? AcceptedBy,
    [property: Id(6)] Guid? RevokedBy,
    [property: Id(7)] DateTimeOffset? RevokedAt,
    [property: Id(8)] string? RevokedReason);

/// <summary>What joining gives the new member: their profile and their first token.</summary>
[GenerateSerializer, Immutable, Alias("lab.joined")]
public sealed record Joined(
    [property: Id(0)] ResearcherView Researcher,
    [property: Id(1)] IssuedToken Token);
