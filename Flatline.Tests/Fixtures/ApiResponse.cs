using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Flatline.Tests;

/// <summary>One answer of the API, read whole: its status, headers and text, the problem it gives on
/// failure, and (in <see cref="ApiResponse{T}"/>) the app's own record on success.</summary>
public class ApiResponse
{
    JsonElement? json;

    internal ApiResponse(HttpMethod method, string path, HttpResponseMessage response, string text)
    {
        Method = method;
        Path = path;
        Response = response;
        Text = text;
    }

    /// <summary>Reads an answer the test got another way, such as a browser's visit, for its problem.</summary>
    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response) =>
        new(response.RequestMessage?.Method ?? HttpMethod.Get, response.RequestMessage?.RequestUri?.PathAndQuery ?? "?",
            response, await response.Content.ReadAsStringAsync());

    public HttpMethod Method { get; }
    public string Path { get; }

    /// <summary>The response itself, content already read, for headers and anything else.</summary>
    public HttpResponseMessage Response { get; }

    public HttpStatusCode Status => Response.StatusCode;
    public bool IsSuccess => Response.IsSuccessStatusCode;
    public string? MediaType => Response.Content.Headers.ContentType?.MediaType;
    public Uri? Location => Response.Headers.Location;

    /// <summary>The body exactly as sent, for assertions on the wire format.</summary>
    public string Text { get; }

    /// <summary>The body as JSON, for what the app's records do not say (or should not be read for).</summary>
    public JsonElement Json => json ??= Parse(Text);

    /// <summary>The RFC 9457 problem of a failed request; <c>Errors</c> is empty unless it is a
    /// validation problem.</summary>
    public HttpValidationProblemDetails Problem => MediaType == "application/problem+json"
        ? JsonSerializer.Deserialize(Text, FlatlineJson.Default.HttpValidationProblemDetails)!
        : throw new InvalidOperationException($"not a problem: {this}");

    /// <summary>True when the problem names <paramref name="field"/> among its errors.</summary>
    public bool HasErrorFor(string field) => Problem.Errors.ContainsKey(field);

    /// <summary>Fails the test unless the status is <paramref name="expected"/>, saying what came instead.</summary>
    public ApiResponse Expect(HttpStatusCode expected) =>
        Status == expected ? this : throw new InvalidOperationException($"expected {(int)expected}: {this}");

    public override string ToString() => $"{Method} {Path} answered {(int)Status} {Text}";

    static JsonElement Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

public sealed class ApiResponse<T> : ApiResponse
{
    readonly JsonTypeInfo<T> type;

    internal ApiResponse(HttpMethod method, string path, HttpResponseMessage response, string text, JsonTypeInfo<T> type)
        : base(method, path, response, text) => this.type = type;

    /// <summary>The body as the app's record (a 503 from /healthz is one too); reading it when the
    /// answer is a problem fails the test with the problem.</summary>
    public T Value => MediaType == "application/json" && Text.Length > 0
        ? JsonSerializer.Deserialize(Text, type)!
        : throw new InvalidOperationException($"no {typeof(T).Name}: {this}");

    /// <inheritdoc cref="ApiResponse.Expect"/>
    public new ApiResponse<T> Expect(HttpStatusCode expected)
    {
        base.Expect(expected);
        return this;
    }
}
