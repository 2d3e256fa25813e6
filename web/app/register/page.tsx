import type { Metadata } from "next";
import AuthForm from "@/components/AuthForm";

export const metadata: Metadata = { title: "Create account" };

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function RegisterPage({ searchParams }: { searchParams: Search }) {
  const sp = await searchParams;
  return <AuthForm mode="register" next={one(sp.next)} reason={null} />;
}
