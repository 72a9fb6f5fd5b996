import type { OpenCxLanguage } from '../languages.js';

/** A value of an override map that OpenCX receives as a string: numbers and booleans are sent as strings. */
export type OpenCxOverrideValue = string | number | boolean;

/** `http_action_overrides`: parameters OpenCX uses when it executes HTTP actions for this user. */
export interface HttpActionOverridesInput {
  /** Query-string parameters; values are sent as strings. */
  query_params?: Record<string, OpenCxOverrideValue>;
  /** Path parameters; values are sent as strings. */
  path_params?: Record<string, OpenCxOverrideValue>;
  /** Body parameters: any JSON value (objects and arrays included). */
  body_params?: Record<string, unknown>;
  /** Headers OpenCX sends to your own APIs; printable ASCII values, sent as strings. Never logged. */
  headers?: Record<string, OpenCxOverrideValue>;
}

/**
 * The user's details, as `POST /widget/authenticate-user` takes them (property names are the wire
 * names). `AuthenticateUserDto` implements it for controllers; pass a plain object of this type
 * to `ContactAuthService.authenticateUser`. Data of unknown shape goes through
 * `validateAuthenticateUser` first.
 */
export interface AuthenticateUserInput {
  /** The email of the user to authenticate; OpenCX keys the contact by it. Required. */
  email: string;
  /** The name of the user. */
  name?: string;
  /** An http or https URL of the user's avatar, or `null` to clear it. */
  avatar_url?: string | null;
  /** The phone number with its country code: `+` then digits, spaces, dashes, dots or parentheses, e.g. `+1 234-567-890`. */
  phone?: string;
  /** One of {@link OPENCX_LANGUAGES}. */
  language?: OpenCxLanguage;
  /**
   * Trusted data about the contact: a plain JSON object (this library's bounds: 16 KiB, 8 levels).
   * OpenCX's related schemas hold flat string, number or boolean values: prefer those.
   */
  customData?: Record<string, unknown>;
  /** Context given to OpenCX's AI agent when it answers this user. */
  chat_context?: string;
  /** HTTP parameter overrides for actions run for this user. */
  http_action_overrides?: HttpActionOverridesInput;
  /**
   * MCP access for the contact's AI agent (OpenCX widget 5). Omitted: chat only. `{}`: every
   * enabled per-user MCP server. `server_ids: []`: none. Such a token expires after one hour.
   */
  mcp_access?: McpAccessInput;
}

/** `mcp_access`: which per-user MCP servers the contact's AI agent may use, and for which account. */
export interface McpAccessInput {
  /** Allowed servers by id; omitted: every enabled one; `[]`: none. */
  server_ids?: string[];
  /** The account the servers act for, when one email has several (pair it with the widget's `externalId`). */
  account_id?: string;
}
