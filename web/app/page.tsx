import type { Metadata } from "next";
import Dashboard from "@/components/Dashboard";

export const metadata: Metadata = { title: "Your tasks" };

export default function DashboardPage() {
  return <Dashboard />;
}
