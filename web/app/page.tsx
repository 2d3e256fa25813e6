import type { Metadata } from "next";
import Dashboard from "@/components/Dashboard";
import TaskBoard from "@/components/TaskBoard";

export const metadata: Metadata = { title: "Your tasks" };

export default function DashboardPage() {
  return (
    <Dashboard>
      <TaskBoard />
    </Dashboard>
  );
}
